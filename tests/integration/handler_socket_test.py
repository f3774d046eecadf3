#!/usr/bin/env python3
"""filesvc-handler over real loopback sockets under systemd-socket-activate --inetd -a."""
import unittest
import harness
if __name__ == "__main__":
    harness.main()
