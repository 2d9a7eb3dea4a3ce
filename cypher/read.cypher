// graphmem Neo4j reads. Every read is scoped to $namespace and starts from an index.

// name: namespace_version
MATCH (ns:Namespace {name: $namespace})
RETURN ns.version AS version, ns.erasures AS erasures

// name: namespace_embedder
MATCH (ns:Namespace {name: $namespace})
RETURN ns.embedder AS embedder

// name: namespaces
MATCH (ns:Namespace)
WHERE EXISTS { MATCH (:Episode {namespace: ns.name}) } OR EXISTS { MATCH (:Unit {namespace: ns.name}) }
  OR EXISTS { MATCH (:Entity {namespace: ns.name}) } OR EXISTS { MATCH (:Summary {namespace: ns.name}) }
RETURN ns.name AS name
ORDER BY name

// name: get_episodes
MATCH (e:Episode)
WHERE e.id IN $ids AND e.namespace = $namespace
RETURN e {.id, .namespace, .content, .source, .speaker, .session, .source_id, .occurred_at,
  .recorded_at, .status, .error, .seq, .expires_at} AS node

// name: episodes_by_status
MATCH (e:Episode)
WHERE e.namespace = $namespace AND e.status IN $statuses
RETURN e {.id, .namespace, .content, .source, .speaker, .session, .source_id, .occurred_at,
  .recorded_at, .status, .error, .seq, .expires_at} AS node
ORDER BY e.seq
LIMIT $limit

// name: get_units
MATCH (u:Unit)
WHERE u.id IN $ids AND u.namespace = $namespace
RETURN u {.id, .namespace, .text, .kind, .subject, .predicate, .object, .confidence,
  .valid_from, .valid_to, .recorded_at, .expired_at, .status, .version, .reason,
  arms: COLLECT { MATCH (u)-[r:INVOLVES]->(e:Entity) RETURN {entity_id: e.id, role: r.role} },
  episode_ids: COLLECT { MATCH (u)-[:FROM]->(ep:Episode) RETURN ep.id }} AS node

// name: get_entities
MATCH (n:Entity)
WHERE n.id IN $ids AND n.namespace = $namespace
RETURN n {.id, .namespace, .name, .canonical, .aliases, .type, .summary} AS node

// name: get_summaries
MATCH (s:Summary)
WHERE s.id IN $ids AND s.namespace = $namespace
RETURN s {.id, .namespace, .text, .level, .span_from, .span_to,
  covers: COLLECT { MATCH (s)-[:COVERS]->(n) RETURN n.id }} AS node

// name: find_entities
CALL () {
  MATCH (n:Entity)
  WHERE n.namespace = $namespace AND n.canonical IN $keys
  RETURN n
  UNION
  MATCH (a:Alias)-[:ALIAS_OF]->(n:Entity)
  WHERE a.namespace = $namespace AND a.key IN $keys
  RETURN n
}
RETURN n {.id, .namespace, .name, .canonical, .aliases, .type, .summary} AS node

// name: units_of_entity
MATCH (:Entity {id: $entity_id, namespace: $namespace})<-[:INVOLVES]-(u:Unit)
RETURN u.id AS id

// name: units_in_slots
MATCH (u:Unit)
WHERE u.namespace = $namespace AND u.predicate IN $predicates
  AND toLower(u.subject) IN $subjects AND u.status IN ['active', 'conflicted']
RETURN u.id AS id
ORDER BY u.recorded_at

// name: recent_units_of_entities
UNWIND $entity_ids AS entity_id
MATCH (:Entity {id: entity_id, namespace: $namespace})<-[:INVOLVES]-(u:Unit)
WHERE u.status IN ['active', 'conflicted']
WITH entity_id, u
ORDER BY u.recorded_at DESC
WITH entity_id, collect(u)[..$per_entity] AS recent
UNWIND recent AS u
WITH DISTINCT u
MATCH (u)-[:INVOLVES]->(x:Entity)
RETURN u.id AS id, u.text AS text, collect(x.id) AS entity_ids

// name: episode_vectors
MATCH (e:Episode)
WHERE e.namespace = $namespace AND e.id IN $ids AND e.embedding IS NOT NULL
RETURN e.id AS id, e.embedding AS embedding

// name: previous_episode
MATCH (e:Episode)
WHERE e.namespace = $namespace AND e.seq < $seq
  AND (e.speaker = $speaker OR ($speaker IS NULL AND e.speaker IS NULL))
RETURN e {.id, .namespace, .content, .source, .speaker, .session, .source_id, .occurred_at,
  .recorded_at, .status, .error, .seq, .expires_at} AS node
ORDER BY e.seq DESC
LIMIT 1

// name: units_from_episodes
MATCH (u:Unit)-[:FROM]->(e:Episode)
WHERE e.namespace = $namespace AND e.id IN $ids AND u.namespace = $namespace
RETURN DISTINCT u.id AS id

// name: session_episodes
MATCH (e:Episode)
WHERE e.namespace = $namespace AND e.session = $session
RETURN e {.id, .namespace, .content, .source, .speaker, .session, .source_id, .occurred_at,
  .recorded_at, .status, .error, .seq, .expires_at} AS node
ORDER BY e.seq

// name: episodes_by_source
MATCH (e:Episode)
WHERE e.namespace = $namespace AND e.source_id IN $source_ids
RETURN e {.id, .namespace, .content, .source, .speaker, .session, .source_id, .occurred_at,
  .recorded_at, .status, .error, .seq, .expires_at} AS node
ORDER BY e.seq

// name: holds_speaker
MATCH (e:Episode)
WHERE e.namespace = $namespace AND toLower(e.speaker) IN $speakers
RETURN e.id AS id
LIMIT 1

// name: speakers
MATCH (e:Episode)
WHERE e.namespace = $namespace AND e.id IN $ids
RETURN e.id AS id, [e.speaker] AS speakers
UNION ALL
MATCH (u:Unit)-[:FROM]->(e:Episode)
WHERE u.namespace = $namespace AND u.id IN $ids AND e.namespace = $namespace
RETURN u.id AS id, [said IN collect([e.speaker]) | said[0]] AS speakers

// name: replies
MATCH (e:Episode)-[:NEXT]->(r:Episode)
WHERE e.namespace = $namespace AND e.id IN $ids AND toLower(r.speaker) <> toLower(e.speaker)
RETURN e.id AS id, r.id AS reply
UNION ALL
MATCH (u:Unit)-[:FROM]->(e:Episode)-[:NEXT]->(r:Episode)
WHERE u.namespace = $namespace AND u.id IN $ids AND e.namespace = $namespace
  AND toLower(r.speaker) <> toLower(e.speaker)
RETURN u.id AS id, r.id AS reply

// name: vector_search
CALL db.index.vector.queryNodes($index, $fetch, $vector)
YIELD node
WITH collect(node) AS nodes
RETURN size(nodes) AS fetched,
  [n IN nodes WHERE n.namespace = $namespace |
    {id: n.id, score: vector.similarity.cosine(n.embedding, $vector)}] AS hits

// name: text_search
CALL db.index.fulltext.queryNodes($index, $query, {limit: $fetch})
YIELD node, score
WITH collect({node: node, score: score}) AS found
RETURN size(found) AS fetched,
  [f IN found WHERE f.node.namespace = $namespace | {id: f.node.id, score: f.score}] AS hits

// name: adjacency
CALL () {
  MATCH (a:Unit {namespace: $namespace})-[:INVOLVES]->(b:Entity)
  RETURN a.id AS src, b.id AS dst, 'INVOLVES' AS type
  UNION ALL
  MATCH (a:Unit {namespace: $namespace})-[:FROM]->(b:Episode)
  RETURN a.id AS src, b.id AS dst, 'FROM' AS type
  UNION ALL
  MATCH (a:Unit {namespace: $namespace})-[:SUPERSEDES]->(b:Unit)
  RETURN a.id AS src, b.id AS dst, 'SUPERSEDES' AS type
  UNION ALL
  MATCH (a:Unit {namespace: $namespace})-[:CONFLICTS_WITH]->(b:Unit)
  RETURN a.id AS src, b.id AS dst, 'CONFLICTS_WITH' AS type
  UNION ALL
  MATCH (a:Episode {namespace: $namespace})-[:NEXT]->(b:Episode)
  RETURN a.id AS src, b.id AS dst, 'NEXT' AS type
  UNION ALL
  MATCH (a:Entity {namespace: $namespace})-[:SAME_AS]->(b:Entity)
  RETURN a.id AS src, b.id AS dst, 'SAME_AS' AS type
  UNION ALL
  MATCH (a:Summary {namespace: $namespace})-[:COVERS]->(b)
  RETURN a.id AS src, b.id AS dst, 'COVERS' AS type
}
RETURN src, dst, type

// name: node_ids_episode
MATCH (n:Episode {namespace: $namespace})
RETURN n.id AS id
ORDER BY n.seq

// name: node_ids_unit
MATCH (n:Unit {namespace: $namespace})
RETURN n.id AS id
ORDER BY n.recorded_at

// name: node_ids_entity
MATCH (n:Entity {namespace: $namespace})
RETURN n.id AS id
ORDER BY n.canonical

// name: node_ids_summary
MATCH (n:Summary {namespace: $namespace})
RETURN n.id AS id
ORDER BY n.span_from

// name: stats_episodes
MATCH (n:Episode)
WHERE $namespace IS NULL OR n.namespace = $namespace
RETURN count(n) AS episodes,
  count(CASE WHEN n.status = 'pending' THEN 1 END) AS pending,
  count(CASE WHEN n.status = 'failed' THEN 1 END) AS failed

// name: stats_units
MATCH (n:Unit)
WHERE $namespace IS NULL OR n.namespace = $namespace
RETURN count(n) AS units, count(CASE WHEN n.status = 'active' THEN 1 END) AS active_units

// name: stats_entities
MATCH (n:Entity)
WHERE $namespace IS NULL OR n.namespace = $namespace
RETURN count(n) AS entities

// name: stats_summaries
MATCH (n:Summary)
WHERE $namespace IS NULL OR n.namespace = $namespace
RETURN count(n) AS summaries

// name: stats_edges
MATCH (a)-[r:NEXT|SAME_AS|INVOLVES|FROM|COVERS|SUPERSEDES|CONFLICTS_WITH|RETRACTS]->()
WHERE $namespace IS NULL OR a.namespace = $namespace
RETURN count(r) AS edges

// name: vector_scan_episode
MATCH (n:Episode {namespace: $namespace})
WHERE n.embedding IS NOT NULL
WITH n, vector.similarity.cosine(n.embedding, $vector) AS score
RETURN n.id AS id, score
ORDER BY score DESC, id
LIMIT $k

// name: vector_scan_unit
MATCH (n:Unit {namespace: $namespace})
WHERE n.embedding IS NOT NULL
WITH n, vector.similarity.cosine(n.embedding, $vector) AS score
RETURN n.id AS id, score
ORDER BY score DESC, id
LIMIT $k

// name: vector_scan_entity
MATCH (n:Entity {namespace: $namespace})
WHERE n.embedding IS NOT NULL
WITH n, vector.similarity.cosine(n.embedding, $vector) AS score
RETURN n.id AS id, score
ORDER BY score DESC, id
LIMIT $k

// name: vector_scan_summary
MATCH (n:Summary {namespace: $namespace})
WHERE n.embedding IS NOT NULL
WITH n, vector.similarity.cosine(n.embedding, $vector) AS score
RETURN n.id AS id, score
ORDER BY score DESC, id
LIMIT $k

// name: expired_episodes
MATCH (e:Episode)
WHERE e.namespace = $namespace AND e.expires_at <= $now
RETURN e.id AS id
ORDER BY e.expires_at
LIMIT $limit

// name: holds_source
MATCH (e:Episode)
WHERE e.namespace = $namespace AND e.source STARTS WITH $prefix
RETURN e.id AS id
LIMIT 1
