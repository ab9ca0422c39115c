// The plan version this build speaks (sluiced and the in-tree dialect plugins): code names plan
// messages `sluice::plan::X`, and moving to a sluice.plan.v2 changes this one header.
#ifndef SLUICE_PROTO_SLUICE_PLAN_PLAN_H_
#define SLUICE_PROTO_SLUICE_PLAN_PLAN_H_

#include "sluice/plan/v1/plan.pb.h"

namespace sluice::plan {
using namespace ::sluice::plan::v1;  // NOLINT(build/namespaces): the current version
}  // namespace sluice::plan

#endif  // SLUICE_PROTO_SLUICE_PLAN_PLAN_H_
