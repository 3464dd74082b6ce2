#pragma once
// A server's answer or a library's error text as one log-friendly line.

#include <string>

namespace webmon::consumer::alerts {

inline std::string oneLine(std::string text) {
  for (auto& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

}  // namespace webmon::consumer::alerts
