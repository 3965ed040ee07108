package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles starts the debugging profiles named by the environment:
// PEGASUS_CPUPROFILE=FILE writes a CPU profile of the whole command, and
// PEGASUS_MEMPROFILE=FILE a heap profile taken at exit (both for
// `go tool pprof`). The returned function stops and writes them; it is safe
// to call more than once.
func startProfiles(stderr io.Writer) (stop func()) {
	var cpu *os.File
	if path := os.Getenv("PEGASUS_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
			if err != nil {
				f.Close()
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "pegasus-monitord: PEGASUS_CPUPROFILE: %v\n", err)
		} else {
			cpu = f
		}
	}
	memPath := os.Getenv("PEGASUS_MEMPROFILE")
	done := false
	return func() {
		if done {
			return
		}
		done = true
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				fmt.Fprintf(stderr, "pegasus-monitord: PEGASUS_CPUPROFILE: %v\n", err)
			}
		}
		if memPath != "" {
			f, err := os.Create(memPath)
			if err == nil {
				runtime.GC() // up-to-date statistics
				err = pprof.Lookup("allocs").WriteTo(f, 0)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
			}
			if err != nil {
				fmt.Fprintf(stderr, "pegasus-monitord: PEGASUS_MEMPROFILE: %v\n", err)
			}
		}
	}
}
