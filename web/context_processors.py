from roster import policy


def roles(request):
    """`is_manager` for the menu, asked only when a template uses it (templates call callables)."""
    return {"is_manager": lambda: policy.is_manager(request.user)}
