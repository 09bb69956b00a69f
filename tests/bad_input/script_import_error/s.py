import no_such_module_here
def produce(params):
    return 'x'
