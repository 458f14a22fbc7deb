print("switch-bench: not yet measured")
HostRows.run()
