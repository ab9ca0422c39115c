// Unary calls with a deadline that remember their status: a base of the end-to-end fixtures,
// so that an assertion can print the latest call's error.
#ifndef SLUICE_TESTS_E2E_RECORDED_CALLS_H_
#define SLUICE_TESTS_E2E_RECORDED_CALLS_H_

#include <chrono>
#include <type_traits>
#include <utility>

#include "grpcpp/grpcpp.h"

namespace sluice::testing {

// (stub->*method)(context, request) for a response that wraps its rows in `result`: `*result`
// gets them.
template <typename Stub, typename Request, typename Response, typename Result>
grpc::Status CallInto(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*), Stub* stub,
                      grpc::ClientContext* context, const Request& request, Result* result) {
  Response response;
  grpc::Status status = (stub->*method)(context, request, &response);
  *result = std::move(*response.mutable_result());
  return status;
}

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

  // The same for a response that wraps its rows in `result` (SelectResponse, FindManyResponse,
  // ...): `*result` gets them.
  template <typename Stub, typename Request, typename Response, typename Result,
            typename = std::enable_if_t<!std::is_same_v<Response, Result>>>
  grpc::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*), Stub* stub,
                    const Request& request, Result* result) {
    Response response;
    grpc::Status status = Call(method, stub, request, &response);
    *result = std::move(*response.mutable_result());
    return status;
  }

  grpc::Status last_;
};

}  // namespace sluice::testing

#endif  // SLUICE_TESTS_E2E_RECORDED_CALLS_H_
