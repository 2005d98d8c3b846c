import CLoaderMemory
import EdgeServer

// The loader has applied every relocation by now: its tables (1.5 MB in a static build) need
// not stay resident for the life of the server.
_ = outpost_release_relocation_tables()

await OutpostCommand.main()
