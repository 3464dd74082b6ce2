#include "common/regexp.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace webmon::common {
namespace {

// Enough for any sane pattern on a 64 kB body; a pathological one gives up instead of
// holding the probe loop for seconds.
constexpr std::uint32_t kMatchLimit = 1'000'000;

}  // namespace

struct Regexp::Compiled {
  pcre2_code* code = nullptr;
  pcre2_match_context* context = nullptr;
  ~Compiled() {
    pcre2_match_context_free(context);
    pcre2_code_free(code);
  }
};

Regexp::Regexp(std::string pattern, std::shared_ptr<const Compiled> compiled)
    : pattern_(std::move(pattern)), compiled_(std::move(compiled)) {}

std::variant<Regexp, std::string> Regexp::compile(const std::string& pattern) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  auto compiled = std::make_shared<Compiled>();
  // UTF mode with checks off for the subject is wrong for arbitrary bodies; plain byte mode
  // matches any body, and a UTF-8 pattern still matches UTF-8 text byte for byte.
  compiled->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), 0,
                                 &error_code, &error_offset, nullptr);
  if (compiled->code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error_code, message, sizeof message);
    return std::string("not a valid regular expression: ") + reinterpret_cast<char*>(message) +
           " at offset " + std::to_string(error_offset);
  }
  pcre2_jit_compile(compiled->code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter
  compiled->context = pcre2_match_context_create(nullptr);
  pcre2_set_match_limit(compiled->context, kMatchLimit);
  return Regexp(pattern, std::move(compiled));
}

bool Regexp::search(std::string_view subject) const {
  pcre2_match_data* data = pcre2_match_data_create_from_pattern(compiled_->code, nullptr);
  const int result = pcre2_match(compiled_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()),
                                 subject.size(), 0, 0, data, compiled_->context);
  pcre2_match_data_free(data);
  return result >= 0;
}

}  // namespace webmon::common
