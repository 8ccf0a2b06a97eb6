// Package nofiles has no tests.
package nofiles

// X is here so the package is not empty.
const X = 1
