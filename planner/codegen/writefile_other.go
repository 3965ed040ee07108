//go:build !unix

package codegen

import "os"

// writeFile creates the file at path and writes data.
func writeFile(path []byte, data []byte, perm os.FileMode) error {
	return os.WriteFile(string(path), data, perm)
}
