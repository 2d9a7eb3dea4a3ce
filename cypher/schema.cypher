// graphmem Neo4j schema. Every statement is idempotent (IF NOT EXISTS) and run on first connect.
// Full-text indexes stem English words (Porter), as the embedded store's FTS5 tables do.
// One statement per named block; `// name:` starts a block.

// name: constraint_episode_id
CREATE CONSTRAINT episode_id IF NOT EXISTS FOR (n:Episode) REQUIRE n.id IS UNIQUE

// name: constraint_entity_id
CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE

// name: constraint_unit_id
CREATE CONSTRAINT unit_id IF NOT EXISTS FOR (n:Unit) REQUIRE n.id IS UNIQUE

// name: constraint_summary_id
CREATE CONSTRAINT summary_id IF NOT EXISTS FOR (n:Summary) REQUIRE n.id IS UNIQUE

// name: constraint_namespace_name
CREATE CONSTRAINT namespace_name IF NOT EXISTS FOR (n:Namespace) REQUIRE n.name IS UNIQUE

// name: index_episode_namespace
CREATE INDEX episode_namespace IF NOT EXISTS FOR (n:Episode) ON (n.namespace, n.status)

// name: index_episode_session
CREATE INDEX episode_session IF NOT EXISTS FOR (n:Episode) ON (n.namespace, n.session, n.seq)

// name: index_episode_time
CREATE INDEX episode_time IF NOT EXISTS FOR (n:Episode) ON (n.occurred_at)

// name: index_entity_canonical
CREATE INDEX entity_canonical IF NOT EXISTS FOR (n:Entity) ON (n.namespace, n.canonical)

// name: index_alias_key
CREATE INDEX alias_key IF NOT EXISTS FOR (n:Alias) ON (n.namespace, n.key)

// name: index_unit_namespace
CREATE INDEX unit_namespace IF NOT EXISTS FOR (n:Unit) ON (n.namespace, n.status)

// name: index_unit_predicate
CREATE INDEX unit_predicate IF NOT EXISTS FOR (n:Unit) ON (n.namespace, n.predicate)

// name: index_episode_source
CREATE INDEX episode_source IF NOT EXISTS FOR (n:Episode) ON (n.namespace, n.source_id)

// name: index_unit_validity
CREATE INDEX unit_validity IF NOT EXISTS FOR (n:Unit) ON (n.valid_from, n.valid_to)

// name: index_summary_namespace
CREATE INDEX summary_namespace IF NOT EXISTS FOR (n:Summary) ON (n.namespace)

// name: vector_episode
CREATE VECTOR INDEX episode_embedding IF NOT EXISTS FOR (n:Episode) ON (n.embedding)
OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine'}}

// name: vector_unit
CREATE VECTOR INDEX unit_embedding IF NOT EXISTS FOR (n:Unit) ON (n.embedding)
OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine'}}

// name: vector_entity
CREATE VECTOR INDEX entity_embedding IF NOT EXISTS FOR (n:Entity) ON (n.embedding)
OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine'}}

// name: vector_summary
CREATE VECTOR INDEX summary_embedding IF NOT EXISTS FOR (n:Summary) ON (n.embedding)
OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine'}}

// name: fulltext_episode
CREATE FULLTEXT INDEX episode_words IF NOT EXISTS FOR (n:Episode) ON EACH [n.content]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}

// name: fulltext_unit
CREATE FULLTEXT INDEX unit_words IF NOT EXISTS FOR (n:Unit) ON EACH [n.text]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}

// name: fulltext_entity
CREATE FULLTEXT INDEX entity_words IF NOT EXISTS FOR (n:Entity) ON EACH [n.search_text]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}

// name: fulltext_summary
CREATE FULLTEXT INDEX summary_words IF NOT EXISTS FOR (n:Summary) ON EACH [n.text]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}

// name: index_episode_expiry
CREATE INDEX episode_expiry IF NOT EXISTS FOR (n:Episode) ON (n.expires_at)

// name: index_erasure_id
CREATE INDEX erasure_id IF NOT EXISTS FOR (n:Erasure) ON (n.namespace, n.id)

// name: await_indexes
CALL db.awaitIndexes($timeout_s)
