// Command-line helpers shared by the pmm-* apps: list and key=value option parsing with messages
// naming the option, CLI11 validators, and run_app, which turns every error into one line
// "pmm-<app>: error: <message>" on stderr with exit status 2 (bad input) or 1 (anything else).
#pragma once
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace pmm {

// "b=2, beta1=0.1" -> {b: 2, beta1: 0.1}. Blanks around items are ignored; "" gives {}. Errors
// (pmm::Error starting with option): an item without '=', an empty key, a key not in allowed, a
// repeated key, a value that is not a number or not finite.
std::map<std::string, double> parse_kv_list(const std::string& text, const std::string& option,
                                             const std::set<std::string>& allowed);
// "10,20,50" -> {10, 20, 50}; at least one item, no empty items.
std::vector<std::int64_t> parse_int_list(const std::string& text, const std::string& option);
// "0.1,1e-3" -> {0.1, 0.001}; finite values only.
std::vector<double> parse_double_list(const std::string& text, const std::string& option);
// "euler, heun" -> {"euler", "heun"}; at least one item, no empty items.
std::vector<std::string> parse_string_list(const std::string& text, const std::string& option);

// CLI11 validators: app.add_option("--steps", steps)->check(pmm::positive_int()). CLI11 reports
// failures as "--steps: <message>".
CLI::Validator positive_int();      // integer >= 1
CLI::Validator non_negative_int();  // integer >= 0
CLI::Validator finite_double();     // a number, not NaN or infinite
CLI::Validator positive_double();   // finite and > 0
CLI::Validator readable_file();     // an existing regular file that can be opened for reading
CLI::Validator matrix_file_name();  // name ending in .npy or .csv (for write_matrix / read_matrix)

// Refuses a request that cannot fit before anything is allocated: bytes is the caller's estimate of
// the memory its arrays need for what (e.g. "1e9 paths of dimension 3"); when it exceeds the
// machine's physical memory, throws pmm::Error "<option>: <what> need about X GiB, more than ...".
void require_memory(double bytes, const std::string& option, const std::string& what);

// --threads: 0 means every core of the machine (std::thread::hardware_concurrency(), at least 1); otherwise
// 1..1024. Throws pmm::Error naming option for anything else. Returns the number of threads to use.
int resolve_threads(int threads, const std::string& option = "--threads");

// "pmm 0.2.0": what --version prints.
std::string version_text();

// Parses argv into app, adding --version (version_text()) when the app has none. --help and --version print to
// stdout and end the run with status 0 through run_app; an unknown option is a pmm::Error naming it with the
// closest option name ("--solvr: unknown option; did you mean --solver?"); other parse errors propagate as
// CLI::ParseError for run_app to report.
void parse_args(CLI::App& app, int argc, char** argv);

// Runs body(argc, argv) and returns its status; on pmm::Error or CLI::ParseError prints one line
// "<basename of argv[0]>: error: <message>" to stderr and returns 2; on any other exception the same
// line and 1. Use parse_args inside body so that --help prints the help text.
int run_app(int argc, char** argv, const std::function<int(int, char**)>& body);

// What run_app does with an exception: returns its exit status and sets message to the line to print (empty for
// --help, --version and CLI11's exit requests). Shared with run_ranks (apps/mpi/world.hpp).
int exit_status_of(std::exception_ptr error, std::string& message);
// Prints "<app>: error: <message>" (newlines folded) as one line on stderr.
void report_error(const std::string& app, const std::string& message);
// The basename of argv[0] ("pmm" when there is none).
std::string program_name(int argc, char** argv);

}  // namespace pmm
