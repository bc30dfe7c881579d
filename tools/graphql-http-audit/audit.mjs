// graphql-http's server audits (GraphQL over HTTP) against the server at the URL given, one after
// the other; prints the results as one JSON array. Run by tools/graphql_http_audit.py.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs http://127.0.0.1:8000/graphql');
  process.exit(2);
}

const results = [];
for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  const failed = result.status !== 'ok';
  results.push({
    id: result.id,
    name: result.name,
    status: result.status,
    reason: failed ? result.reason : null,
    httpStatus: failed && result.response ? result.response.status : null,
  });
}
console.log(JSON.stringify(results));
