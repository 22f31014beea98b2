//go:build race

package extract

// raceDetector: this test binary is built with -race, whose runtime's
// shadow memory counts against a sandboxed child's RLIMIT_DATA.
const raceDetector = true
