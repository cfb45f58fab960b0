// The etcd binary. Placeholder entry until the flag parser lands.
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc > 1 && (std::strcmp(argv[1], "--version") == 0 || std::strcmp(argv[1], "-version") == 0)) {
    std::printf("etcd Version: 3.4.23\nGit SHA: Not provided (etcdpp)\nGo Version: go1.19.8\nGo OS/Arch: linux/amd64\n");
    return 0;
  }
  std::fprintf(stderr, "etcdpp: the server is not built yet\n");
  return 1;
}
