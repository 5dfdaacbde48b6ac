// Helpers for the apps/common tests: a fresh directory under /tmp per test (removed afterwards),
// raw file reads and writes, capturing a file descriptor's output, and running a small Python
// script (NumPy fixtures and checks) when /usr/bin/python3 with NumPy is present.
#pragma once
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace pmm::test {

class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/pmm_tests_apps.XXXXXX";
    if (!::mkdtemp(name)) throw std::runtime_error("mkdtemp failed");
    path_ = name;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Names of the entries in the directory, sorted (to check that no temporary is left behind).
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::string path_;
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Redirects fd (1 or 2) to a file until text() or destruction; text() restores and returns the output.
class CapturedFd {
 public:
  CapturedFd(int fd, const std::string& file) : fd_(fd), file_(file) {
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    saved_ = ::dup(fd_);
    std::FILE* f = std::fopen(file_.c_str(), "w");
    ::dup2(::fileno(f), fd_);
    std::fclose(f);
  }
  ~CapturedFd() { restore(); }
  std::string text() {
    restore();
    return read_bytes(file_);
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    ::dup2(saved_, fd_);
    ::close(saved_);
    saved_ = -1;
  }
  int fd_;
  std::string file_;
  int saved_ = -1;
};

inline bool have_numpy() {
  static const bool ok = ::access("/usr/bin/python3", X_OK) == 0 &&
                         std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
  return ok;
}

// Runs code with /usr/bin/python3 in dir (as the working directory); returns the exit status.
inline int run_python(const TempDir& dir, const std::string& code) {
  const std::string script = dir.file("script.py");
  write_bytes(script, code);
  const std::string command = "cd '" + dir.path() + "' && /usr/bin/python3 '" + script + "'";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace pmm::test
