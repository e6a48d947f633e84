# shellcheck shell=bash source-path=SCRIPTDIR
# load: sources every library of the test bed; needs ZF_TESTBED_HOME (the testbed/ dir).
# shellcheck source=common.sh
. "$ZF_TESTBED_HOME/lib/common.sh"
# shellcheck source=net.sh
. "$ZF_TESTBED_HOME/lib/net.sh"
# shellcheck source=etcd.sh
. "$ZF_TESTBED_HOME/lib/etcd.sh"
# shellcheck source=pg.sh
. "$ZF_TESTBED_HOME/lib/pg.sh"
# shellcheck source=haproxy.sh
. "$ZF_TESTBED_HOME/lib/haproxy.sh"
# shellcheck source=apps.sh
. "$ZF_TESTBED_HOME/lib/apps.sh"
