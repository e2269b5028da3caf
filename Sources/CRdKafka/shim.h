// librdkafka's C API (Debian: librdkafka-dev), with the mock cluster used by the tests.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
