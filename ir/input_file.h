// What every reader of a user's file checks before it opens it: that the path names a regular file.
// A folder reads as a huge "size" through a stream (an allocation abort) and a named pipe or a device
// blocks the reader forever; both are refused with one line instead.
#pragma once

#include <string>

#include "ir/status.h"

namespace agt::ir {

// Ok for a regular file (or a link to one); an error naming the path and what it is otherwise.
Status CheckRegularFile(const std::string& path);

}  // namespace agt::ir
