#include "embed/config.h"

#include <gtest/gtest.h>

namespace etcdpp::embed {
namespace {

std::vector<Url> Urls(const char* text) { return ParseUrlList(std::string_view(text)).value(); }

TEST(Config, DefaultsAreEtcds) {
  Config c;
  EXPECT_EQ(c.name, "default");
  EXPECT_EQ(c.initial_cluster, "default=http://localhost:2380");
  EXPECT_EQ(JoinUrls(c.listen_client_urls), "http://localhost:2379");
  EXPECT_EQ(c.snapshot_count, 100000u);
  EXPECT_EQ(c.max_request_bytes, 1572864u);
  EXPECT_EQ(c.max_concurrent_streams, 4294967295u);
  EXPECT_EQ(c.ElectionTicks(), 10u);
  EXPECT_TRUE(c.Validate().ok());
}

TEST(Config, BindUrlMustBeIpOrLocalhost) {
  Config c;
  c.listen_client_urls = Urls("http://example.com:2379");
  EXPECT_EQ(c.Validate().message(), "expected IP in URL for binding (http://example.com:2379)");
  c.listen_client_urls = Urls("unix://anything:1,http://[::1]:2,http://localhost:3");
  EXPECT_TRUE(c.Validate().ok());
}

TEST(Config, AdvertiseUrlNeedsHost) {
  Config c;
  c.initial_advertise_peer_urls = Urls("http://:1");
  EXPECT_EQ(c.Validate().message(),
            "--initial-advertise-peer-urls \"http://:1\" must be \"host:port\" (unexpected empty host (http://:1))");
}

TEST(Config, ElectionAndHeartbeatChecks) {
  Config c;
  c.heartbeat_interval_ms = 0;
  EXPECT_EQ(c.Validate().message(), "--heartbeat-interval must be >0 (set to 0ms)");
  c.heartbeat_interval_ms = 300;
  EXPECT_EQ(c.Validate().message(), "--election-timeout[1000ms] should be at least as 5 times as --heartbeat-interval[300ms]");
  c.heartbeat_interval_ms = 100;
  c.election_timeout_ms = 60000;
  EXPECT_EQ(c.Validate().message(), "--election-timeout[60000ms] is too long, and should be set less than 50000ms");
}

TEST(Config, BootstrapSourcesAndState) {
  Config c;
  c.discovery = "http://d/x";
  EXPECT_EQ(c.Validate().message(),
            "multiple discovery or bootstrap flags are set. Choose one of \"initial-cluster\", \"discovery\" or "
            "\"discovery-srv\"");
  c.discovery.clear();
  c.initial_cluster_state = "bogus";
  EXPECT_EQ(c.Validate().message(), "unexpected clusterState \"bogus\"");
}

TEST(Config, MissingAdvertiseClientUrlsIsTheFailedPreconditionError) {
  Config c;
  c.advertise_client_urls.clear();
  Status s = c.Validate();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "--advertise-client-urls is required when --listen-client-urls is set explicitly");
}

TEST(Config, LoggingChecks) {
  Config c;
  c.logger_kind = "foo";
  EXPECT_EQ(c.Validate().message(), "unknown logger option \"foo\"");
  c.logger_kind = "capnslog";
  c.log_outputs = {"a", "b"};
  EXPECT_EQ(c.Validate().message(), "--logger=capnslog supports only 1 value in '--log-outputs', got [\"a\" \"b\"]");
  c.logger_kind = "zap";
  c.log_outputs = {"default", "stderr"};
  EXPECT_EQ(c.Validate().message(), "multi logoutput for \"default\" is not supported yet");
  c.log_outputs = {"stderr"};
  c.deprecated_log_output = {"stderr"};
  EXPECT_EQ(c.CheckLogOutputFlags().message(),
            "'--log-output=[\"stderr\"]' and '--log-outputs=[\"stderr\"]' are incompatible; only set --log-outputs");
}

TEST(Config, WarningsFollowEtcdsOrder) {
  Config c;
  c.debug = true;
  auto lines = c.LoggingWarnings();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "[WARNING] Deprecated '--debug' flag is set to true (use '--log-level=debug' instead");
  EXPECT_EQ(lines[2], "[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead");
}

TEST(Config, NameWithoutInitialClusterBecomesSingleMemberCluster) {
  Config c;
  const std::string default_cluster = c.initial_cluster;
  c.name = "infra1";
  c.initial_advertise_peer_urls = Urls("http://127.0.0.1:12380,http://127.0.0.2:12380");
  EXPECT_EQ(c.UpdateDefaultClusterFromName(default_cluster, ""), "");
  EXPECT_EQ(c.initial_cluster, "infra1=http://127.0.0.1:12380,infra1=http://127.0.0.2:12380");
}

TEST(Config, WildcardListenAdvertisesDefaultHost) {
  Config c;
  const std::string default_cluster = c.initial_cluster;
  c.listen_client_urls = Urls("http://0.0.0.0:2379");
  EXPECT_EQ(c.UpdateDefaultClusterFromName(default_cluster, "10.0.0.5"), "10.0.0.5");
  EXPECT_EQ(JoinUrls(c.advertise_client_urls), "http://10.0.0.5:2379");
  EXPECT_EQ(JoinUrls(c.initial_advertise_peer_urls), "http://localhost:2380");
}

TEST(Config, ListenerTlsNeedsFiles) {
  Config c;
  c.listen_client_urls = Urls("https://127.0.0.1:2379");
  EXPECT_EQ(c.CheckListenerTls().message(),
            "TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:2379 with HTTPS scheme");
  c.listen_peer_urls = Urls("https://127.0.0.1:2380");
  EXPECT_EQ(c.CheckListenerTls().message(), "cannot listen on TLS for 127.0.0.1:2380: KeyFile and CertFile are not presented");
}

TEST(ConfigYaml, KeysAreFlagNamesAndTlsIsNested) {
  ConfigFileError error;
  Result<Config> c = ConfigFromYaml(R"(
name: infra0
data-dir: /var/lib/etcd
snapshot-count: 5000
listen-client-urls: http://127.0.0.1:2379,http://10.0.0.1:2379
pre-vote: true
backend-batch-interval: 200000000
log-outputs: [stderr]
client-transport-security:
  cert-file: /c.pem
  key-file: /k.pem
  client-cert-auth: true
unknown-key: whatever
)", &error);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->name, "infra0");
  EXPECT_EQ(c->snapshot_count, 5000u);
  EXPECT_EQ(JoinUrls(c->listen_client_urls), "http://10.0.0.1:2379,http://127.0.0.1:2379");
  EXPECT_TRUE(c->pre_vote);
  EXPECT_EQ(c->backend_batch_interval, std::chrono::milliseconds(200));
  EXPECT_EQ(c->log_outputs, std::vector<std::string>{"stderr"});
  EXPECT_EQ(c->client_tls.cert_file, "/c.pem");
  EXPECT_TRUE(c->client_tls.client_cert_auth);
  EXPECT_EQ(c->initial_cluster, "default=http://localhost:2380");
}

TEST(ConfigYaml, TypeMismatchUsesEncodingJsonMessage) {
  ConfigFileError error;
  Result<Config> c = ConfigFromYaml("snapshot-count: abc\n", &error);
  EXPECT_EQ(c.status().message(),
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field "
            "configYAML.snapshot-count of type uint64");
  EXPECT_FALSE(error.print_as_is);
  c = ConfigFromYaml("name: \"5\"\nheartbeat-interval: \"5\"\n", &error);
  EXPECT_NE(c.status().message().find("configYAML.heartbeat-interval of type uint"), std::string::npos);
}

TEST(ConfigYaml, NumbersFollowEncodingJsonRules) {
  ConfigFileError error;
  EXPECT_EQ(ConfigFromYaml("snapshot-count: 1e3\n", &error)->snapshot_count, 1000u);
  EXPECT_NE(ConfigFromYaml("snapshot-count: -1\n", &error).status().message().find("cannot unmarshal number -1 into"),
            std::string::npos);
  EXPECT_NE(ConfigFromYaml("pre-vote: 1\n", &error).status().message().find("cannot unmarshal number into"),
            std::string::npos);
}

TEST(ConfigYaml, KeysMatchWithoutRegardToCase) {
  ConfigFileError error;
  Result<Config> c = ConfigFromYaml("Name: upper\nPEER-TRANSPORT-SECURITY:\n  Cert-File: /p.pem\n", &error);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->name, "upper");
  EXPECT_EQ(c->peer_tls.cert_file, "/p.pem");
}

TEST(ConfigYaml, MalformedUrlIsPrintedAsIs) {
  ConfigFileError error;
  Result<Config> c = ConfigFromYaml("listen-peer-urls: http://foo\n", &error);
  EXPECT_FALSE(c.ok());
  EXPECT_TRUE(error.print_as_is);
  EXPECT_EQ(error.message, "unexpected error setting up listen-peer-urls: URL address does not have the form \"host:port\": http://foo");
}

TEST(ConfigYaml, DiscoveryClearsDefaultInitialCluster) {
  ConfigFileError error;
  Result<Config> c = ConfigFromYaml("discovery: http://127.0.0.1:4001/v2/keys/x\n", &error);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->initial_cluster, "");
}

TEST(ConfigYaml, MissingFileReportsGoOpenError) {
  ConfigFileError error;
  Result<Config> c = ConfigFromFile("/nonexistent/etcd.yml", &error);
  EXPECT_EQ(c.status().message(), "open /nonexistent/etcd.yml: no such file or directory");
}

}  // namespace
}  // namespace etcdpp::embed
