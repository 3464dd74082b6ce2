#include "producer/url_ownership.h"

namespace webmon::producer {

std::int32_t partitionOfUrl(std::string_view url, std::int32_t partitions) {
  if (partitions <= 1) return 0;
  // FNV-1a, as for the phase, then splitmix64's finaliser: the phase takes the FNV hash modulo
  // the period, and without the mix a period that is a multiple of the partition count (60 s
  // and 60 partitions) would give every URL of a partition the same phase modulo 60 ms.
  std::uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : url) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  hash ^= hash >> 30;
  hash *= 0xbf58476d1ce4e5b9ULL;
  hash ^= hash >> 27;
  hash *= 0x94d049bb133111ebULL;
  hash ^= hash >> 31;
  return static_cast<std::int32_t>(hash % static_cast<std::uint64_t>(partitions));
}

}  // namespace webmon::producer
