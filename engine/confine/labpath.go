package confine

// LabPATH is the PATH a lab program gets when nettutor was started with
// invoker as its PATH (labEnv): the read-only folders of it, then the sbin
// and bin folders. Callers outside the lab use it to find a program as a
// lab shell would, since the lab sees the host's /usr read-only.
func LabPATH(invoker string) string { return withSbin(invoker) }
