// ReleaseMappedPages: drops this process's mapping of the whole pages inside `bytes`, a
// row read from an LMDB file's memory map. The data stays in the page cache and a later
// read maps it again, so every view stays valid. For scans that read a few bytes of many
// large rows (restoring the index): the kernel may map a whole large folio, megabytes, on
// one fault, which would otherwise make every scanned row resident in this process.
//
// Only memory inside a registered map is touched (never the heap: a row may come from a
// write buffer); LmdbEnv registers its map while it is open. Rows under 256 KiB are left
// alone: their pages are few and the call would cost more than it saves.
#pragma once

#include <cstddef>
#include <string_view>
#include <sys/types.h>

namespace etcdpp::backend {

void ReleaseMappedPages(std::string_view bytes);

// LmdbEnv's bookkeeping: the mapping of file (dev, ino) is found in /proc/self/maps and
// remembered under `owner` until unregistered (or registered again after a remap).
void RegisterFileMap(const void* owner, dev_t dev, ino_t ino);
void UnregisterFileMap(const void* owner);
// Drops this process's mapping of the first `bytes` of `owner`'s registered map, a step at
// a time, for a map about to be closed: unmapping it whole at once holds the process's
// address-space lock for as long as it takes to let go of every page.
void ReleaseFileMap(const void* owner, size_t bytes);

}  // namespace etcdpp::backend
