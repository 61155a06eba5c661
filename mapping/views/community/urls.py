"""Members helping members: the support board (open calls) and the toolkit (documents)."""

from django.urls import path

from mapping.views.community import board

urlpatterns = [
    path("board/", board.board, name="board"),
    path("board/<int:pk>/", board.board_call, name="board-call"),
    path("board/new/<uuid:organization>/", board.board_call_create, name="board-call-create"),
    path("board/<int:pk>/edit/", board.board_call_edit, name="board-call-edit"),
    path("board/<int:pk>/close/", board.board_call_close, name="board-call-close"),
]
