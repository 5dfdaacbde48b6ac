// append_whole(): a row written whole or cut back to the file's previous size (include/pmm/io/append_whole.hpp).
#include <pmm/io/append_whole.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <pmm/core/error.hpp>

namespace pmm {

void append_whole(int fd, const std::string& text, const std::string& path) {
  struct stat before {};
  const bool sized = ::fstat(fd, &before) == 0;
  const char* data = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error_number = errno;
      if (sized && ::ftruncate(fd, before.st_size) != 0) {
        // Nothing more to do: the reader's resume cuts an unterminated last line off.
      }
      throw Error(path + ": cannot append a row (" + std::generic_category().message(error_number) + ")");
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace pmm
