package link

// EnvSpareWhenIdle, set to 1 in the environment of a member's TUI, makes
// its spare lab (the one rebuilt a step back while the learner reads)
// wait for a free CPU before each build (tui/spare_idle.go): a served
// machine is shared by every member, and a spare's replay is work nobody
// waits for, while another member's step is.
const EnvSpareWhenIdle = "NETTUTOR_SPARE_WHEN_IDLE"
