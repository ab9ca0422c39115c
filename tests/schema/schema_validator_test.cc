// Invalid schemas are refused before anything reaches a database, each problem with the exact
// field path of the schema in the request.
#include "schema/schema_validator.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_schema.h"

namespace sluice {
namespace {

using sluice::testing::ShopSchema;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The field paths of the violations `schema` earns.
std::vector<std::string> Paths(const v1::Schema& schema) {
  absl::Status status = ValidateSchema(schema, "schema");
  std::vector<std::string> paths;
  if (status.ok()) return paths;
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  for (const FieldViolation& v : FieldViolations(status)) paths.push_back(v.field);
  return paths;
}

std::string Description(const v1::Schema& schema) {
  auto violations = FieldViolations(ValidateSchema(schema, "schema"));
  return violations.empty() ? "" : violations[0].description;
}

TEST(SchemaValidator, AcceptsTheExampleSchema) {
  EXPECT_TRUE(ValidateSchema(ShopSchema(), "schema").ok()) << ValidateSchema(ShopSchema(), "schema");
}

TEST(SchemaValidator, QuotesAreFineInNames) {
  v1::Schema s = ShopSchema();
  s.mutable_tables(0)->set_name("we\"ird`table");
  s.mutable_tables(0)->mutable_columns(2)->set_name("a\"b`c'd");
  for (auto& r : *s.mutable_relations()) {
    if (r.table() == "users") r.set_table("we\"ird`table");
    if (r.target_table() == "users") r.set_target_table("we\"ird`table");
  }
  s.mutable_tables(1)->mutable_columns(1)->mutable_references()->set_table("we\"ird`table");
  EXPECT_TRUE(ValidateSchema(s, "schema").ok()) << ValidateSchema(s, "schema");
}

TEST(SchemaValidator, DuplicateTable) {
  v1::Schema s = ShopSchema();
  s.mutable_tables(2)->set_name("users");
  EXPECT_THAT(Paths(s), ElementsAre("schema.tables[2].name"));
  EXPECT_EQ(Description(s), "table `users` is declared twice");
}

TEST(SchemaValidator, DuplicateColumnAndMissingType) {
  v1::Schema s = ShopSchema();
  s.mutable_tables(0)->mutable_columns(2)->set_name("email");
  s.mutable_tables(1)->mutable_columns(3)->set_type(v1::COLUMN_TYPE_UNSPECIFIED);
  EXPECT_THAT(Paths(s), ElementsAre("schema.tables[0].columns[2].name", "schema.tables[1].columns[3].type"));
}

TEST(SchemaValidator, ReservedAndEmptyNames) {
  v1::Schema s = ShopSchema();
  s.mutable_tables(2)->set_name("__sluice_mine");
  s.mutable_tables(1)->mutable_columns(3)->set_name("");
  s.set_name("bad name!");
  EXPECT_THAT(Paths(s), ElementsAre("schema.name", "schema.tables[1].columns[3].name", "schema.tables[2].name"));
}

TEST(SchemaValidator, PrimaryKeyOnANullableColumn) {
  v1::Schema s = ShopSchema();
  s.mutable_tables(0)->mutable_columns(0)->set_not_null(false);
  EXPECT_THAT(Paths(s), ElementsAre("schema.tables[0].columns[0].not_null"));
  v1::Schema t = ShopSchema();
  t.mutable_tables(2)->mutable_columns(1)->set_not_null(false);  // part of the composite key
  EXPECT_THAT(Paths(t), ElementsAre("schema.tables[2].primary_key[1]"));
}

TEST(SchemaValidator, ForeignKeyToAMissingColumnOrTable) {
  v1::Schema s = ShopSchema();
  s.mutable_tables(1)->mutable_columns(1)->mutable_references()->set_column("uid");
  EXPECT_THAT(Paths(s), ElementsAre("schema.tables[1].columns[1].references.column"));
  EXPECT_EQ(Description(s), "table `users` has no column `uid`");
  v1::Schema t = ShopSchema();
  t.mutable_tables(2)->mutable_foreign_keys(0)->set_foreign_table("articles");
  EXPECT_THAT(Paths(t), ElementsAre("schema.tables[2].foreign_keys[0].foreign_table"));
}

TEST(SchemaValidator, ForeignKeyToAColumnThatIsNotAKey) {
  v1::Schema s = ShopSchema();
  s.mutable_tables(1)->mutable_columns(1)->mutable_references()->set_column("name");
  s.mutable_tables(1)->mutable_columns(1)->set_type(v1::TEXT);
  EXPECT_THAT(Paths(s), ElementsAre("schema.tables[1].columns[1].references.column"));
  EXPECT_THAT(Description(s), HasSubstr("are not its primary key or a unique constraint"));
}

TEST(SchemaValidator, ForeignKeyOfAnotherType) {
  v1::Schema s = ShopSchema();
  s.mutable_tables(1)->mutable_columns(1)->set_type(v1::TEXT);
  EXPECT_THAT(Paths(s), ElementsAre("schema.tables[1].columns[1].references"));
  EXPECT_EQ(Description(s), "column `author_id` is TEXT but `users.id` is INTEGER");
}

TEST(SchemaValidator, DefaultsOfTheWrongType) {
  v1::Schema s = ShopSchema();
  s.mutable_tables(0)->mutable_columns(4)->mutable_default_()->mutable_value()->set_string_value("zero");
  s.mutable_tables(0)->mutable_columns(3)->mutable_default_()->mutable_value()->set_string_value("root");
  s.mutable_tables(1)->mutable_columns(6)->mutable_default_()->set_function(v1::ColumnDefault::NOW);
  EXPECT_THAT(Paths(s),
              ElementsAre("schema.tables[0].columns[3].default.value", "schema.tables[0].columns[4].default.value",
                          "schema.tables[1].columns[6].default.function"));
}

TEST(SchemaValidator, LengthsEnumsAndIndexes) {
  v1::Schema s = ShopSchema();
  s.mutable_tables(0)->mutable_columns(1)->set_length(0);
  s.mutable_tables(0)->mutable_columns(3)->set_enum_name("mood");
  EXPECT_THAT(Paths(s), ElementsAre("schema.tables[0].columns[1].length", "schema.tables[0].columns[3].enum_name"));
  v1::Schema t = ShopSchema();
  t.mutable_tables(1)->mutable_indexes(1)->set_name("posts_author_id_idx");  // the first one's generated name
  EXPECT_THAT(Paths(t), ElementsAre("schema.tables[1].indexes[1].name"));
  v1::Schema u = ShopSchema();
  u.mutable_tables(1)->mutable_indexes(0)->set_columns(0, "writer");
  EXPECT_THAT(Paths(u), ElementsAre("schema.tables[1].indexes[0].columns[0]"));
}

TEST(SchemaValidator, ChecksAreCheckedAgainstTheirTable) {
  v1::Schema s = ShopSchema();
  auto* gte = s.mutable_tables(0)->mutable_checks(0)->mutable_condition()->mutable_gte();
  gte->mutable_left()->mutable_column()->set_name("credit");
  EXPECT_THAT(Paths(s), ElementsAre("schema.tables[0].checks[0].condition.gte.left.column.name"));
  v1::Schema t = ShopSchema();
  t.mutable_tables(0)
      ->mutable_checks(0)
      ->mutable_condition()
      ->mutable_gte()
      ->mutable_right()
      ->mutable_value()
      ->set_string_value("zero");
  EXPECT_THAT(Paths(t), ElementsAre("schema.tables[0].checks[0].condition.gte.right.value"));
}

TEST(SchemaValidator, SequenceDefaults) {
  v1::Schema s = ShopSchema();
  s.mutable_tables(2)->mutable_columns(1)->mutable_default_()->set_sequence("tag_numbers");
  EXPECT_THAT(Paths(s), ElementsAre("schema.tables[2].columns[1].default.sequence"));
  EXPECT_EQ(Description(s), "the schema has no sequence `tag_numbers`");
  s.add_sequences()->set_name("tag_numbers");
  EXPECT_THAT(Paths(s), ElementsAre("schema.tables[2].columns[1].default.sequence"));
  EXPECT_EQ(Description(s), "only integer columns take a sequence's values");
  s.mutable_tables(2)->mutable_columns(1)->set_type(v1::BIGINT);
  EXPECT_TRUE(ValidateSchema(s, "schema").ok());
}

TEST(SchemaValidator, RelationsNeedTheirTablesAndColumns) {
  v1::Schema s = ShopSchema();
  s.mutable_relations(1)->set_fields(0, "writer_id");
  s.mutable_relations(0)->set_target_table("articles");
  EXPECT_THAT(Paths(s), ElementsAre("schema.relations[0].target_table", "schema.relations[1].fields[0]"));
}

}  // namespace
}  // namespace sluice
