// Package domain holds the rules of suapcds as plain Go: the booking request and
// its states, the message thread, the CDS-mandatory check, the conferences
// with their deadlines and the bodies' positions in them (Panel), who may see
// and do what, and the history and outbox entries every change leaves behind.
//
// It knows nothing of AWS, HTTP or storage. Functions validate and decide here,
// then hand the result to the store port (package store) in one change.
// Every rule failure is an *Error whose Detail is Italian (it reaches people)
// and whose Code is stable (it reaches programs).
package domain
