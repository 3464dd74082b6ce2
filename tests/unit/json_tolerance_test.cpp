#include "common/json_tolerance.h"

#include <gtest/gtest.h>

namespace webmon::common {
namespace {

TEST(JsonTolerance, ACommaBeforeAClosingBracketBecomesASpaceOfTheSameWidth) {
  EXPECT_EQ(blankTrailingCommas(R"({"a": 1,})"), R"({"a": 1 })");
  EXPECT_EQ(blankTrailingCommas("[1, 2,\n  ]"), "[1, 2 \n  ]");
  EXPECT_EQ(blankTrailingCommas(R"({"a": [1,], "b": {"c": 2,},})"),
            R"({"a": [1 ], "b": {"c": 2 } })");
}

TEST(JsonTolerance, CommasInsideStringsAndBetweenValuesStay) {
  for (const std::string json :
       {R"({"a": ",}", "b": ",]"})", R"(["x\",]", 1, 2])", R"({"a\\": ",}"})", "[1, 2]", "",
        // No value before the comma: not a trailing comma, and the parser reports it.
        "{,}", "[,]", "[1,,]", "{\n  \"kafka\": {,\n}"}) {
    EXPECT_EQ(blankTrailingCommas(json), json);
  }
}

}  // namespace
}  // namespace webmon::common
