package main

import "net"

// freePort asks the kernel for a port that is free right now on 127.0.0.1.
// Another process may take it before we use it, so callers retry with a
// new port when the server does not come up.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
