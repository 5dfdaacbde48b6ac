// JSON run reports: what ran (command line, time, host, versions of pmm, compiler and Eigen), so
// that any result file can be traced to the run that made it, and an atomic JSON writer.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#ifndef PMM_VERSION
#define PMM_VERSION "0.1.0"
#endif

namespace pmm {

// Keys: command (argv as a list), command_line (shell-quoted, pasteable), date (ISO 8601 UTC,
// "2024-05-01T12:00:00Z"), hostname, pmm_version, compiler, eigen_version, build ("release" when
// NDEBUG), hardware_concurrency.
nlohmann::json run_metadata(int argc, const char* const* argv);

// Pretty-printed (indent 2) with a final newline, atomically; invalid UTF-8 in strings is replaced
// rather than thrown on, NaN and infinity become null (JSON has no such numbers).
void write_json_atomic(const std::string& path, const nlohmann::json& value);

// Current UTC time as "YYYY-MM-DDTHH:MM:SSZ".
std::string utc_timestamp();

}  // namespace pmm
