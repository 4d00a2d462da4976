// wshub: a WebSocket hub server. See README.md and `wshub --help`.
#include "wshub/server.h"

int main(int argc, char** argv) { return wshub::run(argc, argv); }
