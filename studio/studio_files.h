// Sluice Studio's static files (this folder's index.html, studio.js, studio.css), built into
// sluiced by embed.py: Studio needs no Node and no files beside the binary at run time.
#ifndef SLUICE_STUDIO_STUDIO_FILES_H_
#define SLUICE_STUDIO_STUDIO_FILES_H_

#include "absl/strings/string_view.h"

namespace sluice::studio {

struct File {
  absl::string_view content_type;
  absl::string_view content;
};

// The file at `path` under /studio/ ("index.html", "studio.js"); null when there is none.
const File* Find(absl::string_view path);

}  // namespace sluice::studio

#endif  // SLUICE_STUDIO_STUDIO_FILES_H_
