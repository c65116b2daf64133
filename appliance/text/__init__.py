"""Text in pictures: recognised on the box (`engine`), kept and searched by word (`words`),
screenshots and documents told apart (`kinds`), read in the background (`background`)."""
