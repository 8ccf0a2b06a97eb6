// Package builderr fails to build its test with -tags samplefail.
package builderr

// Y is used by the test.
const Y = 1
