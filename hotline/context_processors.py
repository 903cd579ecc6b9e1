from hotline import permissions


def roles(request):
    """`is_manager` for the menu, asked only when a template uses it (templates call callables)."""
    return {"is_manager": lambda: permissions.is_manager(request.user)}
