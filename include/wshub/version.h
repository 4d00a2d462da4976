#pragma once

#define WSHUB_VERSION "0.1.0"
