#pragma once
// A compiled PCRE2 regular expression (Debian's libpcre2), for the `regexp` check on response
// bodies. Not std::regex: libstdc++'s matcher recurses per character and overflows the stack
// on long inputs (the config fuzzer found that on a 100 kB value); PCRE2 matches iteratively,
// JIT-compiles, and stops at a match limit on patterns that would backtrack forever.

#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace webmon::common {

class Regexp {
 public:
  /// The compiled pattern, or a message saying what is wrong with it and where.
  static std::variant<Regexp, std::string> compile(const std::string& pattern);

  /// Whether the pattern occurs anywhere in `subject`. A search that hits PCRE2's match limit
  /// (catastrophic backtracking) counts as not found.
  bool search(std::string_view subject) const;

  const std::string& pattern() const noexcept { return pattern_; }
  /// Two Regexps are equal when their patterns are: that is what a config reload compares.
  bool operator==(const Regexp& other) const { return pattern_ == other.pattern_; }

 private:
  struct Compiled;
  Regexp(std::string pattern, std::shared_ptr<const Compiled> compiled);
  std::string pattern_;
  std::shared_ptr<const Compiled> compiled_;  // immutable, shared by copies of the config
};

}  // namespace webmon::common
