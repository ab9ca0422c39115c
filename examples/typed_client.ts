// A TypeScript client of the typed API: the shop schema's UsersService, with the types
// @grpc/proto-loader generates from the .proto that `sluice codegen` writes. A string for an
// integer column, or a column the schema lacks, fails `tsc` before the program runs.
//
//   sluice codegen shop --out api
//   npx proto-loader-gen-types sluice/schemas/shop.proto -I api -O gen --grpcLib=@grpc/grpc-js \
//       --keepCase --enums=String --longs=String
//   npx tsc && node typed_client.js HOST:PORT TOKEN api
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './gen/shop';
import type { UsersInsertRequest } from './gen/sluice/schemas/shop/UsersInsertRequest';

const [address, token, protoDir] = process.argv.slice(2);
const definition = protoLoader.loadSync('sluice/schemas/shop.proto',
    {includeDirs: [protoDir], keepCase: true, enums: String, longs: String});
const api = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
const users = new api.sluice.schemas.shop.UsersService(address, grpc.credentials.createInsecure());
const metadata = new grpc.Metadata();
metadata.set('authorization', `Bearer ${token}`);

const ada: UsersInsertRequest = {
  rows: [{email: 'ada@example.com', name: 'Ada', role: 'ROLE_ADMIN', balance: '12.50',
          created_at: {seconds: 1709214300}}],
  returning: {columns: ['USERS_COLUMN_ID']},
};
users.Insert(ada, metadata, (error, inserted) => {
  if (error) throw error;
  users.Find({where: {email: {ilike: 'ADA@%'}}, columns: ['USERS_COLUMN_ID', 'USERS_COLUMN_NAME', 'USERS_COLUMN_ROLE']},
             metadata, (error, found) => {
    if (error) throw error;
    console.log(JSON.stringify({inserted: inserted!.rows, found: found!.rows}));
  });
});
