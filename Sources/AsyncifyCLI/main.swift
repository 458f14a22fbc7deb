print("asyncify: no commands yet")
