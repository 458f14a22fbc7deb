print("switch-bench: not yet measured")
