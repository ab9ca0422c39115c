// A Node.js client of sluiced (@grpc/grpc-js, @grpc/proto-loader; no generated code): registers
// the blog schema, migrates, inserts, and runs a relational query; prints the Drizzle-shaped JSON.
//
//   node examples/node_client.js HOST:PORT [TOKEN]     (run from the repository's root)
const fs = require('fs');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const definition = protoLoader.loadSync(
    ['sluice/v1/schema_service.proto', 'sluice/v1/migration_service.proto', 'sluice/v1/query_service.proto'],
    {includeDirs: ['proto'], keepCase: true, longs: String, enums: String, defaults: false, oneofs: true});
const v1 = grpc.loadPackageDefinition(definition).sluice.v1;

function call(client, method, request, metadata) {
  return new Promise((resolve, reject) => {
    client[method](request, metadata, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

async function main(address, token) {
  const credentials = grpc.credentials.createInsecure();
  const metadata = new grpc.Metadata();
  if (token) metadata.set('authorization', 'Bearer ' + token);
  const schemas = new v1.SchemaService(address, credentials);
  const migrations = new v1.MigrationService(address, credentials);
  const queries = new v1.QueryService(address, credentials);

  const schema = JSON.parse(fs.readFileSync('examples/blog.schema.json', 'utf8'));
  await call(schemas, 'RegisterSchema', {schema, strict: true}, metadata);
  await call(migrations, 'Migrate', {target: {schema: 'blog'}}, metadata);
  await call(queries, 'Batch', {target: {schema: 'blog'}, operations: [
    {insert: {table: 'authors', rows: [
      {values: {id: {int_value: '2'}, name: {string_value: 'Bob'}, balance: {decimal_value: '0.10'}}}]}},
    {insert: {table: 'articles', rows: [
      {values: {id: {int_value: '20'}, author_id: {int_value: '2'}, editor_id: {int_value: '2'},
                title: {string_value: 'From Node'}}}]}}]}, metadata);
  const found = await call(queries, 'FindMany', {target: {schema: 'blog'}, find: {table: 'authors', columns: ['name', 'balance'],
    where: {eq: {left: {column: {name: 'id'}}, right: {value: {int_value: '2'}}}},
    with: {articles: {columns: ['title'], with: {comments: {columns: ['body']}}}}}}, metadata);
  console.log(found.result.json);
  for (const client of [schemas, migrations, queries]) client.close();
}

main(...process.argv.slice(2)).catch((error) => {
  console.error(`node client: ${error.code} ${error.details || error.message}`);
  process.exit(1);
});
