import EdgeServer

await OutpostCommand.main()
