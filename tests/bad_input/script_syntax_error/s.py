def produce(params):
    return 'x'
  oops
