// Unary calls with a deadline that remember their status: a base of the end-to-end fixtures,
// so that an assertion can print the latest call's error.
#ifndef SLUICE_TESTS_E2E_RECORDED_CALLS_H_
#define SLUICE_TESTS_E2E_RECORDED_CALLS_H_

#include <chrono>

#include "grpcpp/grpcpp.h"

namespace sluice::testing {

class RecordedCalls {
 protected:
  // (stub->*method)(request) with a 30-second deadline; the status is also kept in last_.
  template <typename Stub, typename Request, typename Response>
  grpc::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*), Stub* stub,
                    const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return last_ = (stub->*method)(&context, request, response);
  }

  grpc::Status last_;
};

}  // namespace sluice::testing

#endif  // SLUICE_TESTS_E2E_RECORDED_CALLS_H_
