//go:build !unix

package report

import "os"

// processAlive reports whether a process with that pid exists.
func processAlive(pid int) bool {
	_, err := os.FindProcess(pid)
	return err == nil
}
