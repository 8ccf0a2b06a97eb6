//go:build samplefail

package builderr

var _ = undefinedName
