// Test helpers shared by the backend's unit tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "backend/backend.h"

namespace etcdpp::backend::testing_backend {

inline std::unique_ptr<Backend> OpenOrDie(const BackendOptions& o) {
  auto b = Backend::Open(o);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return std::move(b).value();
}

}  // namespace etcdpp::backend::testing_backend
