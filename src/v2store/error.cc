#include "v2store/error.h"

#include "v2store/go_text.h"

namespace etcdpp::v2store {

std::string_view ErrorMessage(ErrorCode code) {
  switch (code) {
    case ErrorCode::kKeyNotFound: return "Key not found";
    case ErrorCode::kTestFailed: return "Compare failed";
    case ErrorCode::kNotFile: return "Not a file";
    case ErrorCode::kNoMorePeer: return "Reached the max number of peers in the cluster";
    case ErrorCode::kNotDir: return "Not a directory";
    case ErrorCode::kNodeExist: return "Key already exists";
    case ErrorCode::kKeyIsPreserved: return "The prefix of given key is a keyword in etcd";
    case ErrorCode::kRootReadOnly: return "Root is read only";
    case ErrorCode::kDirNotEmpty: return "Directory not empty";
    case ErrorCode::kExistingPeerAddr: return "Peer address has existed";
    case ErrorCode::kUnauthorized: return "The request requires user authentication";
    case ErrorCode::kValueRequired: return "Value is Required in POST form";
    case ErrorCode::kPrevValueRequired: return "PrevValue is Required in POST form";
    case ErrorCode::kTtlNaN: return "The given TTL in POST form is not a number";
    case ErrorCode::kIndexNaN: return "The given index in POST form is not a number";
    case ErrorCode::kValueOrTtlRequired: return "Value or TTL is required in POST form";
    case ErrorCode::kTimeoutNaN: return "The given timeout in POST form is not a number";
    case ErrorCode::kNameRequired: return "Name is required in POST form";
    case ErrorCode::kIndexOrValueRequired: return "Index or value is required";
    case ErrorCode::kIndexValueMutex: return "Index and value cannot both be specified";
    case ErrorCode::kInvalidField: return "Invalid field";
    case ErrorCode::kInvalidForm: return "Invalid POST form";
    case ErrorCode::kRefreshValue: return "Value provided on refresh";
    case ErrorCode::kRefreshTtlRequired: return "A TTL must be provided on refresh";
    case ErrorCode::kRaftInternal: return "Raft Internal Error";
    case ErrorCode::kLeaderElect: return "During Leader Election";
    case ErrorCode::kWatcherCleared: return "watcher is cleared due to etcd recovery";
    case ErrorCode::kEventIndexCleared: return "The event in requested index is outdated and cleared";
    case ErrorCode::kStandbyInternal: return "Standby Internal Error";
    case ErrorCode::kInvalidActiveSize: return "Invalid active size";
    case ErrorCode::kInvalidRemoveDelay: return "Standby remove delay";
    case ErrorCode::kClientInternal: return "Client Internal Error";
  }
  return "";
}

int Error::HttpStatus() const {
  switch (code) {
    case ErrorCode::kKeyNotFound: return 404;
    case ErrorCode::kNotFile:
    case ErrorCode::kDirNotEmpty: return 403;
    case ErrorCode::kUnauthorized: return 401;
    case ErrorCode::kTestFailed:
    case ErrorCode::kNodeExist: return 412;
    case ErrorCode::kRaftInternal:
    case ErrorCode::kLeaderElect: return 500;
    default: return 400;
  }
}

std::string Error::ToJson() const {
  std::string out = "{\"errorCode\":" + std::to_string(static_cast<int>(code)) + ",\"message\":";
  AppendJsonString(out, message());
  if (!cause.empty()) {
    out += ",\"cause\":";
    AppendJsonString(out, cause);
  }
  out += ",\"index\":" + std::to_string(index) + "}";
  return out;
}

std::string Error::ToString() const {
  return std::string(message()) + " (" + cause + ")";
}

}  // namespace etcdpp::v2store
