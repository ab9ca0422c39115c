// `sluice diagram`: a schema's entity-relationship diagram as text for READMEs and code review,
// the same picture Studio draws: tables with their columns (types, keys), foreign keys as solid
// lines, relations as dotted ones, and the relations no foreign key backs (the lint's
// RELATION_WITHOUT_FOREIGN_KEY warnings) marked.
#ifndef SLUICE_TOOLS_SLUICE_DIAGRAM_H_
#define SLUICE_TOOLS_SLUICE_DIAGRAM_H_

#include <string>

#include "sluice/v1/schema_service.pb.h"

namespace sluice {

// Mermaid (`erDiagram`, renders on GitHub and GitLab).
std::string MermaidDiagram(const v1::GetSchemaResponse& schema);
// Graphviz (`dot -Tsvg`).
std::string DotDiagram(const v1::GetSchemaResponse& schema);

}  // namespace sluice

#endif  // SLUICE_TOOLS_SLUICE_DIAGRAM_H_
