// graphmem Neo4j writes. All values arrive as parameters; batches use UNWIND $rows.

// name: reserve_seq
MERGE (ns:Namespace {name: $namespace})
ON CREATE SET ns.seq = 0, ns.version = 0, ns.erasures = 0
SET ns.seq = ns.seq + $count
RETURN ns.seq - $count AS start

// name: bump_namespace
MERGE (ns:Namespace {name: $namespace})
ON CREATE SET ns.seq = 0, ns.version = 0, ns.erasures = 0
SET ns.version = ns.version + 1, ns.erasures = ns.erasures + $erasures

// name: claim_embedder
MERGE (ns:Namespace {name: $namespace})
ON CREATE SET ns.seq = 0, ns.version = 0, ns.erasures = 0
SET ns.embedder = coalesce(ns.embedder, $embedder)
RETURN ns.embedder AS embedder

// name: last_in_session
MATCH (p:Episode {namespace: $namespace, session: $session})
RETURN p.id AS id
ORDER BY p.seq DESC
LIMIT 1

// name: erased_ids
MATCH (x:Erasure)
WHERE x.namespace = $namespace AND x.id IN $ids
RETURN DISTINCT x.id AS id

// name: stored_sources
MATCH (e:Episode)
WHERE e.namespace = $namespace AND e.source_id IN $ids
RETURN e.source_id AS source_id, min(e.id) AS id

// name: insert_episodes
UNWIND $rows AS row
CREATE (e:Episode)
SET e = row

// name: upsert_entities
UNWIND $rows AS row
MERGE (n:Entity {id: row.id})
ON CREATE SET n.namespace = row.namespace, n.name = row.name, n.canonical = row.canonical,
  n.type = row.type, n.embedding = row.embedding, n.aliases = []
SET n.summary = coalesce(row.summary, n.summary),
  n.aliases = reduce(acc = [], a IN n.aliases + row.aliases |
    CASE WHEN a IN acc OR a = n.name THEN acc ELSE acc + a END)
SET n.search_text = reduce(s = n.name, a IN n.aliases | s + ' ' + a)
WITH n, row
UNWIND [k IN row.keys WHERE k <> n.canonical] AS key
MERGE (a:Alias {namespace: n.namespace, key: key})
MERGE (a)-[:ALIAS_OF]->(n)

// name: insert_units
UNWIND $rows AS row
CREATE (u:Unit)
SET u = row

// name: upsert_summaries
UNWIND $rows AS row
MERGE (s:Summary {id: row.id})
SET s = row
WITH s
OPTIONAL MATCH (s)-[old:COVERS]->()
DELETE old

// name: edge_next
UNWIND $rows AS row
MATCH (a:Episode {id: row.src, namespace: $namespace})
MATCH (b:Episode {id: row.dst, namespace: $namespace})
MERGE (a)-[r:NEXT]->(b)
SET r += row.props

// name: edge_involves
UNWIND $rows AS row
MATCH (a:Unit {id: row.src, namespace: $namespace})
MATCH (b:Entity {id: row.dst, namespace: $namespace})
MERGE (a)-[r:INVOLVES]->(b)
SET r += row.props

// name: edge_from
UNWIND $rows AS row
MATCH (a:Unit {id: row.src, namespace: $namespace})
MATCH (b:Episode {id: row.dst, namespace: $namespace})
MERGE (a)-[r:FROM]->(b)
SET r += row.props

// name: edge_covers
UNWIND $rows AS row
MATCH (a:Summary {id: row.src, namespace: $namespace})
CALL (row) {
  MATCH (u:Unit {id: row.dst, namespace: $namespace})
  RETURN u AS b
  UNION
  MATCH (e:Episode {id: row.dst, namespace: $namespace})
  RETURN e AS b
}
MERGE (a)-[r:COVERS]->(b)
SET r += row.props

// name: edge_same_as
UNWIND $rows AS row
MATCH (a:Entity {id: row.src, namespace: $namespace})
MATCH (b:Entity {id: row.dst, namespace: $namespace})
MERGE (a)-[r:SAME_AS]->(b)
SET r += row.props

// name: edge_supersedes
UNWIND $rows AS row
MATCH (a:Unit {id: row.src, namespace: $namespace})
MATCH (b:Unit {id: row.dst, namespace: $namespace})
MERGE (a)-[r:SUPERSEDES]->(b)
SET r += row.props

// name: edge_conflicts_with
UNWIND $rows AS row
MATCH (a:Unit {id: row.src, namespace: $namespace})
MATCH (b:Unit {id: row.dst, namespace: $namespace})
MERGE (a)-[r:CONFLICTS_WITH]->(b)
SET r += row.props

// name: edge_retracts
UNWIND $rows AS row
MATCH (a:Episode {id: row.src, namespace: $namespace})
MATCH (b:Unit {id: row.dst, namespace: $namespace})
MERGE (a)-[r:RETRACTS]->(b)
SET r += row.props

// name: mark_processed
UNWIND $rows AS row
MATCH (e:Episode {id: row.id, namespace: $namespace})
SET e.status = 'processed', e.error = null, e.embedding = coalesce(row.embedding, e.embedding)

// name: set_expiry
UNWIND $ids AS id
MATCH (e:Episode {id: id, namespace: $namespace})
SET e.expires_at = $at

// name: set_episode_status
UNWIND $ids AS id
MATCH (e:Episode {id: id, namespace: $namespace})
SET e.status = $status, e.error = $error

// name: update_units
UNWIND $rows AS row
MATCH (u:Unit {id: row.id, namespace: $namespace})
SET u.status = coalesce(row.status, u.status),
  u.valid_to = coalesce(row.valid_to, u.valid_to),
  u.expired_at = coalesce(row.expired_at, u.expired_at),
  u.reason = coalesce(row.reason, u.reason)

// name: erase_label
CALL () {
  MATCH (n:Episode {id: $id, namespace: $namespace}) RETURN 'episode' AS label
  UNION
  MATCH (n:Unit {id: $id, namespace: $namespace}) RETURN 'unit' AS label
  UNION
  MATCH (n:Entity {id: $id, namespace: $namespace}) RETURN 'entity' AS label
  UNION
  MATCH (n:Summary {id: $id, namespace: $namespace}) RETURN 'summary' AS label
}
RETURN label

// name: erase_episode
MATCH (ep:Episode {id: $id, namespace: $namespace})
OPTIONAL MATCH (u:Unit)-[:FROM]->(ep)
WITH ep, collect(u) AS units
CALL (units) {
  UNWIND units AS u
  OPTIONAL MATCH (u)-[:INVOLVES]->(e:Entity)
  RETURN collect(DISTINCT e) AS entities
}
WITH ep, units, entities, [u IN units | u.id] AS unit_ids
FOREACH (u IN units | DETACH DELETE u)
DETACH DELETE ep
RETURN unit_ids, [e IN entities | e.id] AS entity_ids

// name: erase_unit
MATCH (u:Unit {id: $id, namespace: $namespace})
OPTIONAL MATCH (u)-[:INVOLVES]->(e:Entity)
WITH u, collect(e.id) AS entity_ids
DETACH DELETE u
RETURN [] AS unit_ids, entity_ids

// name: erase_entity
MATCH (e:Entity {id: $id, namespace: $namespace})
OPTIONAL MATCH (a:Alias)-[:ALIAS_OF]->(e)
DETACH DELETE a, e
RETURN [] AS unit_ids, [] AS entity_ids

// name: erase_summary
MATCH (s:Summary {id: $id, namespace: $namespace})
DETACH DELETE s
RETURN [] AS unit_ids, [] AS entity_ids

// name: erase_units_from
MATCH (u:Unit {namespace: $namespace})-[:FROM]->(:Episode {id: $id, namespace: $namespace})
RETURN collect(u.id) AS ids

// name: erase_context
CALL () {
  UNWIND $ids AS id MATCH (n:Episode {id: id, namespace: $namespace}) RETURN n
  UNION
  UNWIND $ids AS id MATCH (n:Unit {id: id, namespace: $namespace}) RETURN n
}
RETURN
  COLLECT { MATCH (s:Summary)-[:COVERS]->(n) WHERE s.id <> $id RETURN s.id } AS summaries,
  CASE WHEN n:Episode THEN n.session END AS session,
  COLLECT { MATCH (n)-[:INVOLVES]->(e:Entity) RETURN e.id } AS entities

// name: forget_reasons
CALL () {
  UNWIND $ids AS id MATCH (n:Episode {id: id, namespace: $namespace}) RETURN n
  UNION
  UNWIND $ids AS id MATCH (n:Unit {id: id, namespace: $namespace}) RETURN n
}
CALL (n) {
  MATCH (n)-[:SUPERSEDES|CONFLICTS_WITH|RETRACTS]->(u:Unit) RETURN u
  UNION
  MATCH (n)<-[:CONFLICTS_WITH]-(u:Unit) RETURN u
}
SET u.reason = null

// name: erase_summaries
UNWIND $ids AS id
MATCH (s:Summary {id: id, namespace: $namespace})
DETACH DELETE s

// name: erase_namespace
CALL () {
  MATCH (n:Episode {namespace: $namespace}) RETURN n, 'episode' AS label
  UNION
  MATCH (n:Unit {namespace: $namespace}) RETURN n, 'unit' AS label
  UNION
  MATCH (n:Entity {namespace: $namespace}) RETURN n, 'entity' AS label
  UNION
  MATCH (n:Summary {namespace: $namespace}) RETURN n, 'summary' AS label
  UNION
  MATCH (n:Alias {namespace: $namespace}) RETURN n, null AS label
}
WITH n, label, n.id AS id
LIMIT $limit
DETACH DELETE n
RETURN label, id

// name: forget_embedder
MATCH (ns:Namespace {name: $namespace})
SET ns.embedder = null

// name: erase_orphan_entities
UNWIND $ids AS id
MATCH (e:Entity {id: id, namespace: $namespace})
WHERE NOT EXISTS { (:Unit)-[:INVOLVES]->(e) }
OPTIONAL MATCH (a:Alias)-[:ALIAS_OF]->(e)
WITH e, e.id AS erased, collect(a) AS aliases
FOREACH (a IN aliases | DETACH DELETE a)
DETACH DELETE e
RETURN erased

// name: record_erasures
UNWIND $rows AS row
CREATE (:Erasure {id: row.id, namespace: $namespace, label: row.label, erased_at: $at})
