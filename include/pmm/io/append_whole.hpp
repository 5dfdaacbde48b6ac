// Appending a row to a log or table that a resumed run reads back: the row's bytes are written whole or not at all.
// A failed write (disk full) is cut back to the file's size before it (ftruncate), so the file never ends in a
// partial row; if even that fails, the reader's resume drops an unterminated last line.
#pragma once
#include <string>

namespace pmm {

// Writes text at the end of the open file descriptor fd (opened O_APPEND), retrying short writes and EINTR. Throws
// pmm::Error "PATH: cannot append a row (CAUSE)" after cutting the file back. Does not fsync.
void append_whole(int fd, const std::string& text, const std::string& path);

}  // namespace pmm
