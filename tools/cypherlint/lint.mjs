// Lints Cypher statements with Neo4j's parser and semantic analysis (lintCypherQuery).
// stdin: {"schema": {"labels": [...], "relationshipTypes": [...], "propertyKeys": [...]},
//         "statements": {"file:name": "cypher", ...}}
// stdout: {"file:name": [{"severity": "error"|"warning", "message": "...", "line": n}], ...}
import { isNotParamError, lintCypherQuery, testData } from '@neo4j-cypher/language-support';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const schema = { ...testData.mockSchema, ...input.schema };
const report = {};
for (const [name, statement] of Object.entries(input.statements)) {
  const { diagnostics } = lintCypherQuery(statement, schema);
  report[name] = diagnostics.filter(isNotParamError).map((d) => ({
    severity: d.severity === 1 ? 'error' : 'warning',
    message: d.message,
    line: (d.range?.start?.line ?? 0) + 1,
  }));
}
process.stdout.write(JSON.stringify(report));
